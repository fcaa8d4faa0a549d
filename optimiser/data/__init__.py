"""Domain records, scenario configs, table readers/writers and the demo generator."""
