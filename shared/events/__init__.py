"""Events: envelope (``envelope``), payload contracts (``contracts``) and their catalog
(``catalog``), outbox and relay (``outbox``), inbox and consumers (``bus``). Import the module
you need directly."""
