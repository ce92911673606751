"""Who a person is and may do: users, (later) establishments, habilitations, the audit trail."""
