"""What people and scripts read: one module per command (its title, table, explanation and JSON), the
formatting they share (``common``, ``window``), and the terminal (``table``, ``pictures``, ``output``).
Nothing here computes, and nothing here imports torch: it lays out what the core and torch found."""
