"""Files -> raw tables (CSV, Excel, folders), with every cell's source location kept."""
