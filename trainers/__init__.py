"""Tools for the assistant's trainers (city staff), reading what citizens said from the
tracker store, read-only, whether or not the assistant is running."""
