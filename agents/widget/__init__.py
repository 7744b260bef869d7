"""The embeddable web widget channel: public endpoints, the script and its settings pages."""
