"""DynamoDB: transactions that copy only what they touch, and requests served one at a time.

Each patch is named here, in docs/local-aws.md and in the test that proves it
(test/integration/local-aws/moto-dynamodb.test.ts).

- transactions copy only what they touch (speed only, same behaviour): to roll back a cancelled
  TransactWriteItems moto deep-copies every table the transaction names, on every call, so a
  transaction on a table of 1,500 items takes half a second and the alert tests' thousand claims
  take minutes. Patched to save only the items the transaction touches and put those back when
  it is cancelled or fails; what succeeds, fails and is returned is unchanged.
- one request at a time: moto's server answers requests on threads, and a cancelled
  TransactWriteItems rolls back by restoring what it saved before it ran (whole tables in moto,
  the touched items with the patch above), undoing any write another request made meanwhile;
  two batches racing over the same keys then lose items. DynamoDB itself is linearizable per
  item, so conditional writes from concurrent writers are tested as in AWS. Patched: one
  DynamoDB request at a time.
"""

import copy
import threading

from moto.dynamodb import models as dynamodb_models
from moto.dynamodb import responses as dynamodb_responses
from moto.dynamodb.models.dynamo_type import DynamoType

_original_transact_write_items = dynamodb_models.DynamoDBBackend.transact_write_items


class _TablesNotCopied:
    """moto.dynamodb.models' `copy` during one transaction: a Table is not deep-copied."""

    def __getattr__(self, name):
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value, memo=None):
        if isinstance(value, dynamodb_models.Table):
            return value
        return copy.deepcopy(value, memo)


def _touched_items(backend, transact_items):
    saved = []
    for entry in transact_items:
        try:
            _, op = next(iter(entry.items()))
            table = backend.tables.get(op.get("TableName"))
            if table is None:
                continue
            if "Key" in op:
                key = op["Key"]
            else:
                attrs = op.get("Item", {})
                key = {k: attrs[k] for k in (table.hash_key_attr, table.range_key_attr) if k and k in attrs}
            saved.append((table, key, copy.deepcopy(backend.get_item(table.name, key))))
        except Exception:  # an invalid operation: moto's own code refuses it below
            continue
    return saved


def _put_back(table, key, item):
    if item is not None:
        if table.range_key_attr:
            table.items[item.hash_key][item.range_key] = item
        else:
            table.items[item.hash_key] = item
        return
    hash_value = DynamoType(key[table.hash_key_attr])
    if table.range_key_attr:
        table.items.get(hash_value, {}).pop(DynamoType(key[table.range_key_attr]), None)
    else:
        table.items.pop(hash_value, None)


def transact_write_items(self, transact_items):
    # Transactions copy only what they touch.
    saved = _touched_items(self, transact_items)
    dynamodb_models.copy = _TablesNotCopied()
    try:
        return _original_transact_write_items(self, transact_items)
    except Exception:
        for table, key, item in reversed(saved):
            _put_back(table, key, item)
        raise
    finally:
        dynamodb_models.copy = copy


_dynamodb_calls = threading.Lock()
_original_dynamodb_call_action = dynamodb_responses.DynamoHandler.call_action


def dynamodb_call_action(self):
    # One request at a time.
    with _dynamodb_calls:
        return _original_dynamodb_call_action(self)


def apply():
    """Replaces moto's DynamoDB transaction and request handling with the patched ones above."""
    dynamodb_models.DynamoDBBackend.transact_write_items = transact_write_items
    dynamodb_responses.DynamoHandler.call_action = dynamodb_call_action
