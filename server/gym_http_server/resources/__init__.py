"""One resource class per noun of the API; ``on_get``/``on_post`` only."""
