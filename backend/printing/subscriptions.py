"""What printing subscribes to (imported once by ``CoreConfig.ready()``, docs/architecture.md)."""

from backend import hooks as kernel_hooks
from backend.custody import hooks
from backend.printing import receivers, selectors

kernel_hooks.level_raised.connect(receivers.reprint_raised, dispatch_uid="printing.reprint_raised")

# A reprinted label's code names its carrier; a voided label is refused (DESIGN.md).
# Custody asks through this resolver instead of importing printing.
hooks.code_resolver_set(
    hooks.CodeResolver(
        resolve=selectors.label_scans_resolve,
        lookup_statement=selectors.label_lookup_statement,
        found=selectors.label_lookup_found,
        carriers_sql=selectors.label_carriers_sql,
    )
)
