"""Blue/green upgrades of agents: clone, golden questions, regression runs, swap, canary."""
