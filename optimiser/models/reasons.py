"""Why a package is left unmet: the first of four reasons that applies, plus the rural flag.

The order (:class:`~optimiser.data.domain.UnmetReason`): no provider with the skill; no
provider allowed in the zone; none within the travel limit; no capacity left. The first three
are exactly the pruning steps that remove candidate pairs when the instance is built (so a
package with no candidate pair left carries its reason from there); a package that kept
candidates but was still not placed has "no capacity left". An active package the instance
released from an overfull current provider (``instance.released``) and that stayed unmet has
"current provider over capacity" instead of any of these. ``rural`` is a separate flag, not a
reason.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimiser.data.domain import UnmetReason
from optimiser.models.instance import AssignmentInstance


def unmet_reasons(instance: AssignmentInstance, provider_of: np.ndarray) -> list[str]:
    """Reason code per package: ``""`` when placed, else an :class:`UnmetReason` value."""
    provider_of = np.asarray(provider_of, dtype=np.int64)
    released = instance.released
    out: list[str] = []
    for i in range(instance.n_packages):
        if provider_of[i] >= 0:
            out.append("")
        elif released[i]:
            out.append(UnmetReason.CURRENT_PROVIDER_FULL.value)
        elif instance.prune_reason[i]:
            out.append(instance.prune_reason[i])
        else:
            out.append(UnmetReason.NO_CAPACITY.value)
    return out


def unmet_table(instance: AssignmentInstance, provider_of: np.ndarray) -> pd.DataFrame:
    """One row per package: package_id, unmet (bool), reason (code), reason_text, rural."""
    reasons = unmet_reasons(instance, provider_of)
    return pd.DataFrame(
        {
            "package_id": list(instance.package_ids),
            "unmet": np.asarray(provider_of) < 0,
            "reason": reasons,
            "reason_text": [UnmetReason(r).text if r else "" for r in reasons],
            "rural": instance.rural.copy(),
        }
    )
