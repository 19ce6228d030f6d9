"""`rota notify`: shift reminders, handovers and change notices, by email and webhook, each sent once."""
