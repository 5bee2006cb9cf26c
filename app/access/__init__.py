"""Who may do what: the permission model, its rules as data, and who may see an incident."""
