"""Reference data: Border Patrol sectors, CBP field offices, ports of entry and capacities."""
