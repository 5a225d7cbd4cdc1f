"""Every testable claim the two reports make, as data: where it is said, in our words, how we test it, and where.

Read sentence by sentence from the reports (shared/seeds/): each record names the report's section, says the
claim in our own words (never the report's), the experiment that tests it and the chapter that holds it. Claims
no experiment can settle are listed apart, with why. The book's tables and the summary figure are built from this.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd


@dataclass(frozen=True)
class Claim:
    id: str  # C1 ...: the book's name for it
    report: str  # "Dutta" or "Shah"
    where: str  # the section of the report that says it
    claim: str  # in our words, short (the summary figure's label)
    experiment: str  # how the book tests it
    chapter: str  # the notebook that records its verdict


CLAIMS = (
    Claim("C1", "Dutta", "§III", "Adam CNN: 99.38% (loss 0.0362)", "5 seeds × 60 epochs, best epoch", "05_optimizers"),
    Claim(
        "C2", "Dutta", "§III", "second optimizer: 98.94% (loss 0.0542)", "5 seeds × 60 epochs, RMSProp", "05_optimizers"
    ),
    Claim("C3", "Dutta", "§2.5", "MLP 784-300-10 trains (no figure given)", "5 seeds × 60 epochs", "03_mlp"),
    Claim(
        "C4",
        "Dutta",
        "Abstract, §I",
        "autoencoders compress the images",
        "dense and conv, code sizes 8-64",
        "06_autoencoders",
    ),
    Claim("C5", "Shah", "§5", "Shah's CNN: 98.93% after 10 epochs", "5 seeds × 10 epochs", "04_cnn"),
    Claim("C6", "Shah", "§2", "mean 0.1307, std 0.3081 by streaming sums", "streamed and direct", "01_preprocessing"),
    Claim(
        "C7",
        "Shah",
        "§2",
        "three per-image random transforms",
        "sampler against torchvision's draws",
        "02_augmentation",
    ),
    Claim("C8", "Shah", "§5", "most confused: 2↔7, 4↔9, 5↔6", "confusion pairs over 5 seeds", "07_confusion"),
    Claim("C9", "Dutta", "§2.3", "images rotated by 10°", "the author's code, read; angles drawn", "02_augmentation"),
    Claim(
        "C10",
        "Dutta",
        "§2.1, §III",
        "figures on MNIST's 60k/10k split",
        "the author's code and logs, read",
        "05_optimizers",
    ),
    Claim("C11", "Dutta", "§2.5", "decay=1e-4 as an Adam argument", "Keras's documented semantics", "03_mlp"),
    Claim(
        "C12", "Shah", "§2", "augmentation: better accuracy, less overfitting", "with and without, 5 seeds", "08_beyond"
    ),
    Claim(
        "C13", "Shah", "Challenges", "extra dropout: accuracy about the same", "two placements, 5 seeds", "08_beyond"
    ),
    Claim("C14", "Shah", "§2", "normalising: faster, more accurate", "mean/std against [0, 1], 5 seeds", "08_beyond"),
    Claim("C15", "Dutta", "§2.5", "cross-entropy beats MSE", "the C3 MLP with each loss, 5 seeds", "03_mlp"),
    Claim(
        "C16",
        "Dutta",
        "Abstract",
        "the CNN beats the one-hidden-layer net",
        "both on the same images, 5 seeds",
        "05_optimizers",
    ),
    Claim("C17", "Dutta", "§2.1", "every pixel is binary", "every training pixel counted", "01_preprocessing"),
    Claim("C18", "Dutta", "§III", "losses 0.0362 and 0.0542", "loss at the best epoch, 5 seeds", "05_optimizers"),
    Claim("C19", "Shah", "Challenges", "training flips confuse 6 and 9", "random vertical flips, 5 seeds", "08_beyond"),
)

SUGGESTIONS = (  # improvements Shah proposes but did not try (§5, Potential Improvements): tested in 08_beyond
    Claim("S1", "Shah", "§5", "a learning-rate schedule helps", "per-step decay, 5 seeds", "08_beyond"),
    Claim("S2", "Shah", "§5", "a third conv layer or wider filters help", "each, 5 seeds", "08_beyond"),
    Claim("S3", "Shah", "§5", "more advanced augmentation helps", "elastic distortions, 5 seeds", "08_beyond"),
)

UNTESTABLE = (  # (report, where, the claim in our words, why no experiment settles it)
    (
        "Dutta",
        "Abstract",
        "speed and a smaller network improve performance",
        "neither the speed nor the network it is compared with is named",
    ),
    ("Shah", "Challenges", "horizontal flips distort a 5", "true by construction: a mirrored 5 is not a 5 as written"),
    (
        "Shah",
        "Challenges",
        "the model was kept from bias towards some digits",
        "a goal without a criterion; chapter 7's per-class recall is the nearest measure",
    ),
)

CLAIM_IDS = tuple(c.id for c in CLAIMS)


def inventory_table() -> pd.DataFrame:
    """The claims and suggestions, one row each, indexed by id."""
    return pd.DataFrame([asdict(c) for c in (*CLAIMS, *SUGGESTIONS)]).set_index("id")


def claim(claim_id: str) -> Claim:
    """The record of one claim or suggestion; a ValueError naming the known ids for any other."""
    found = {c.id: c for c in (*CLAIMS, *SUGGESTIONS)}
    if claim_id not in found:
        raise ValueError(f"no claim {claim_id!r}; known: {', '.join(found)}.")
    return found[claim_id]
