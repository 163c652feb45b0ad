"""Text messages (SMS): the ``SmsGateway`` port, its adapters, the outbox and signed links."""
