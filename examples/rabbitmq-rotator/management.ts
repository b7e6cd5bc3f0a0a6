import type { RotatorConfig } from './config';

/** A RabbitMQ user as the management API shows it. */
export interface RabbitUser {
  name: string;
  tags: string[];
}

/** One vhost's permissions of a user. */
export interface Permission {
  vhost: string;
  configure: string;
  write: string;
  read: string;
}

/**
 * The few calls of RabbitMQ's management HTTP API the rotator makes, as its admin. Errors name the
 * call and the status, never a body that could echo a password.
 */
export class Management {
  constructor(private readonly config: RotatorConfig) {}

  /** The user, or undefined when there is none. */
  async user(name: string): Promise<RabbitUser | undefined> {
    const response = await this.call('GET', `/api/users/${encodeURIComponent(name)}`, undefined, [200, 404]);
    if (response.status === 404) return undefined;
    const body = (await response.json()) as { name: string; tags: string[] | string };
    return { name: body.name, tags: tagsOf(body.tags) };
  }

  /** Creates the user or replaces its password (and tags, which RabbitMQ's PUT always sets). */
  async putUser(name: string, body: { password: string } | { password_hash: '' }, tags: string[]): Promise<void> {
    await this.call('PUT', `/api/users/${encodeURIComponent(name)}`, { ...body, tags: tags.join(',') }, [201, 204]);
  }

  async permissionsOf(name: string): Promise<Permission[]> {
    const response = await this.call('GET', `/api/users/${encodeURIComponent(name)}/permissions`, undefined, [200]);
    return ((await response.json()) as Permission[]).map(({ vhost, configure, write, read }) => ({ vhost, configure, write, read }));
  }

  async setPermission(name: string, permission: Permission): Promise<void> {
    const { vhost, configure, write, read } = permission;
    await this.call('PUT', `/api/permissions/${encodeURIComponent(vhost)}/${encodeURIComponent(name)}`, { configure, write, read }, [201, 204]);
  }

  async clearPermission(name: string, vhost: string): Promise<void> {
    await this.call('DELETE', `/api/permissions/${encodeURIComponent(vhost)}/${encodeURIComponent(name)}`, undefined, [204, 404]);
  }

  /** Closes every connection of `name`; returns how many. */
  async closeConnectionsOf(name: string, reason: string): Promise<number> {
    const response = await this.call('GET', '/api/connections?columns=name,user', undefined, [200]);
    const connections = ((await response.json()) as Array<{ name: string; user: string }>).filter((connection) => connection.user === name);
    for (const connection of connections) {
      await this.call('DELETE', `/api/connections/${encodeURIComponent(connection.name)}`, undefined, [204, 404], { 'X-Reason': reason });
    }
    return connections.length;
  }

  private async call(method: string, path: string, body: unknown, expected: number[], headers: Record<string, string> = {}): Promise<Response> {
    const { username, password } = this.config.admin;
    let response: Response;
    try {
      response = await fetch(`${this.config.managementUrl}${path}`, {
        method,
        headers: {
          authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
          ...(body !== undefined && { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(5000),
      });
    } catch (error) {
      throw new Error(`RabbitMQ management API ${method} ${path.split('/').slice(0, 3).join('/')} did not answer (${(error as Error).name})`);
    }
    if (!expected.includes(response.status)) {
      throw new Error(`RabbitMQ management API ${method} ${path.split('/').slice(0, 3).join('/')} answered ${response.status}`);
    }
    return response;
  }
}

function tagsOf(tags: string[] | string): string[] {
  return (Array.isArray(tags) ? tags : tags.split(',')).map((tag) => tag.trim()).filter(Boolean);
}
