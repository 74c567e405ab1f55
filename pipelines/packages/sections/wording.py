"""The words a section uses for the period: at year end the outcome is the year's, and there
is no forecast, no "hittills i år" and no periodised budget."""

from __future__ import annotations

from pipelines.packages.content import MONTHS_SV, Package


def months(package: Package) -> str:
    """'jan–apr'."""
    return f"jan–{MONTHS_SV[package.month - 1][:3]}"


def outcome(package: Package) -> str:
    return "Utfall" if package.is_year_end else f"Utfall {months(package)}"


def budget_ytd(package: Package) -> str:
    return "Budget" if package.is_year_end else f"Budget {months(package)}"


def deviation_ytd(package: Package) -> str:
    return "Avvikelse" if package.is_year_end else f"Avvikelse {months(package)}"


def prior(package: Package) -> str:
    return (f"Utfall {package.year - 1}" if package.is_year_end
            else f"Utfall {months(package)} {package.year - 1}")


CONVENTION_BOARD = ("Belopp i tkr. Nettokostnad och kostnader visas positiva, intäkter "
                    "positiva. Avvikelse = budget − utfall: + är överskott, − underskott.")
CONVENTION_KOMMUN = ("Belopp i tkr. Nämndernas nettokostnader visas positiva; skatteintäkter, "
                     "finansnetto och årets resultat positiva vid överskott. Avvikelse: + är "
                     "bättre än budget, − sämre.")


def convention(package: Package) -> str:
    return CONVENTION_KOMMUN if package.scope.is_kommun else CONVENTION_BOARD
