from hotline.tickets.models.config import (
    FeeItem,
    FieldKind,
    FormField,
    OrderType,
    Priority,
    SlaPolicy,
    SlaRule,
)
from hotline.tickets.models.faults import AreaFault
from hotline.tickets.models.tickets import (
    Ticket,
    TicketAttachment,
    TicketCharge,
    TicketHistory,
    TicketNumber,
)
from hotline.tickets.models.timers import TicketTimer

__all__ = [
    "AreaFault",
    "FeeItem",
    "FieldKind",
    "FormField",
    "OrderType",
    "Priority",
    "SlaPolicy",
    "SlaRule",
    "Ticket",
    "TicketAttachment",
    "TicketCharge",
    "TicketHistory",
    "TicketNumber",
    "TicketTimer",
]
