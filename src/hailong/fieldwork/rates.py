"""Response rates in the sense of the AAPOR *Standard Definitions* (RR1 and RR3). Pure arithmetic.

    RR1 = I / ((I + P) + (R + NC + O) + (UH + UO))
    RR3 = I / ((I + P) + (R + NC + O) + e · (UH + UO))

``e`` is the estimated share of eligible cases among those of unknown eligibility, taken — as AAPOR
allows — as the eligible share among the cases whose eligibility is known:
``e = (I + P + R + NC + O) / (I + P + R + NC + O + not eligible)``. With no resolved case yet,
``e = 1`` (RR3 = RR1, the conservative choice). Ineligible cases are left out of both rates.
How our statuses map to these groups is ``choices.DISPOSITION_OF_STATUS`` (see docs/fieldwork.md).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from hailong.fieldwork.choices import Disposition


@dataclass(frozen=True)
class Dispositions:
    interviews: int = 0  # I
    partials: int = 0  # P
    refusals: int = 0  # R
    non_contacts: int = 0  # NC
    others: int = 0  # O
    unknown: int = 0  # UH + UO
    ineligible: int = 0

    @classmethod
    def count(cls, codes: Iterable[str]) -> "Dispositions":
        tally = dict.fromkeys(Disposition.values, 0)
        for code in codes:
            tally[code] += 1
        return cls(
            interviews=tally[Disposition.INTERVIEW],
            partials=tally[Disposition.PARTIAL],
            refusals=tally[Disposition.REFUSAL],
            non_contacts=tally[Disposition.NON_CONTACT],
            others=tally[Disposition.OTHER],
            unknown=tally[Disposition.UNKNOWN],
            ineligible=tally[Disposition.INELIGIBLE],
        )

    def __add__(self, other: "Dispositions") -> "Dispositions":
        return Dispositions(
            *(getattr(self, f) + getattr(other, f) for f in self.__dataclass_fields__)  # type: ignore[arg-type]
        )

    @property
    def eligible(self) -> int:
        return self.interviews + self.partials + self.refusals + self.non_contacts + self.others

    @property
    def cases(self) -> int:
        """Every case fielded, ineligible ones included."""
        return self.eligible + self.unknown + self.ineligible

    @property
    def eligibility_rate(self) -> float:
        """``e``: the eligible share among the cases whose eligibility is known (1 when none is)."""
        resolved = self.eligible + self.ineligible
        return self.eligible / resolved if resolved else 1.0

    @property
    def rr1(self) -> float | None:
        denominator = self.eligible + self.unknown
        return self.interviews / denominator if denominator else None

    @property
    def rr3(self) -> float | None:
        denominator = self.eligible + self.eligibility_rate * self.unknown
        return self.interviews / denominator if denominator else None
