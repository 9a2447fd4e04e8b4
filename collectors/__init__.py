"""Collectors: discovery of network devices (Nornir + NAPALM) and servers (Redfish) (issue #3, #7)."""
