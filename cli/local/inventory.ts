import { DescribeAlarmsCommand, ListDashboardsCommand } from '@aws-sdk/client-cloudwatch';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListEventBusesCommand, ListRulesCommand } from '@aws-sdk/client-eventbridge';
import { ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { ListSubscriptionsCommand, ListTopicsCommand } from '@aws-sdk/client-sns';
import { ListQueuesCommand } from '@aws-sdk/client-sqs';
import type { AwsClients } from './creators';
import { defaultClients } from './resources';

/** How many of each kind of resource the local AWS holds. */
export interface ResourceCounts {
  queues: number;
  tables: number;
  eventBuses: number;
  rules: number;
  topics: number;
  subscriptions: number;
  secrets: number;
  alarms: number;
  dashboards: number;
}

/**
 * Counts what the AWS the clients point at holds (custom event buses only; rules on every bus).
 * Reads the first page of each listing (up to 100-1000 items): enough for a local stack.
 */
export async function countResources(clients: AwsClients = defaultClients()): Promise<ResourceCounts> {
  const [queues, tables, buses, topics, subscriptions, secrets, alarms, dashboards] = await Promise.all([
    clients.sqs.send(new ListQueuesCommand({ MaxResults: 1000 })),
    clients.dynamoDb.send(new ListTablesCommand({})),
    clients.eventBridge.send(new ListEventBusesCommand({})),
    clients.sns.send(new ListTopicsCommand({})),
    clients.sns.send(new ListSubscriptionsCommand({})),
    clients.secretsManager.send(new ListSecretsCommand({ MaxResults: 100 })),
    clients.cloudWatch.send(new DescribeAlarmsCommand({ MaxRecords: 100 })),
    clients.cloudWatch.send(new ListDashboardsCommand({})),
  ]);
  const busNames = (buses.EventBuses ?? []).map((bus) => bus.Name!).filter(Boolean);
  const rules = await Promise.all(busNames.map((name) => clients.eventBridge.send(new ListRulesCommand({ EventBusName: name }))));
  return {
    queues: queues.QueueUrls?.length ?? 0,
    tables: tables.TableNames?.length ?? 0,
    eventBuses: busNames.filter((name) => name !== 'default').length,
    rules: rules.reduce((sum, page) => sum + (page.Rules?.length ?? 0), 0),
    topics: topics.Topics?.length ?? 0,
    subscriptions: subscriptions.Subscriptions?.length ?? 0,
    secrets: secrets.SecretList?.length ?? 0,
    alarms: (alarms.MetricAlarms?.length ?? 0) + (alarms.CompositeAlarms?.length ?? 0),
    dashboards: dashboards.DashboardEntries?.length ?? 0,
  };
}
