"""12345 work orders (工单): the hotline's Excel export in, the reply sheet out. Qt-free.

- ``plan``: ``plan_workorders`` reads a ``sync.ledger.reader.Table`` (the ledger reader: title
  rows, merged cells, any column order) and returns a ``WorkOrderPlan``: one issue per new
  ticket, each with its grid and household found by ``sync.addresses``, and every problem by
  row and column (``sync.ledger.plan.Problem``, the ledger import's report).
- ``replies``: the reply sheet (工单编号, 办理结果, 办结时间, 承办人, 办理过程) of the orders
  resolved since a time, read from either side's tables.
"""

from .plan import UNASSIGNED_NOTE, PlannedOrder, WorkOrderPlan, plan_workorders, read_orders
from .replies import REPLY_HEADERS, reply_rows, write_replies

__all__ = [
    "REPLY_HEADERS",
    "UNASSIGNED_NOTE",
    "PlannedOrder",
    "WorkOrderPlan",
    "plan_workorders",
    "read_orders",
    "reply_rows",
    "write_replies",
]
