"""Claims of fact about what Dutta's code did (C9, C10, C11, the confusion-matrix axes), as data with their source.

Each record holds what the report says (section, page of its PDF), what the published notebook does, quoted with its
cell, and what the called library does with those arguments, with its documentation. A verdict compares the report's
value with the one the quoted code yields under those semantics: never with the library installed here, never with
the author's training logs. The author's Keras (AUTHOR_KERAS) is read from the notebooks, which print no version:
`tf.keras.layers.RandomRotation` exists from TF 2.6; `Adam(..., decay=1e-4)` trained, where TF 2.11+ raises
ValueError; Colab's Python 3.7 (cell 10's pip log) and the commits of 24-25 Sep 2022, before TF 2.11, agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from mnist_helpers.claims.verdicts import FactVerdict, fact_verdict

AUTHOR_REPO = "rudraneel18/MNIST-Dataset-Model"  # Dutta's public code, the report's "Work Link"
AUTHOR_COMMIT = "24d16323007e16e338867e4d87b0fc7c3942f3e5"  # its HEAD (25 Sep 2022): both notebooks and the PDF
ADAM_NOTEBOOK = "Mnist(Opt Adam).ipynb"  # C1's run; "MNIST(Opt RMSProp).ipynb" has the same cells, RMSprop in cell 8
AUTHOR_KERAS = "TensorFlow/Keras 2.6 to 2.10 on Colab (Python 3.7)"  # how we know: the module docstring
ROTATION_FACTOR = 0.1  # RandomRotation(factor=.1): a fraction of a full turn
KAGGLE_TRAIN_ROWS = 42_000  # labelled images in Kaggle's Digit Recognizer train.csv (data.dutta_split.KAGGLE_SOURCE)
VAL_FRACTION = 0.2  # train_test_split(..., test_size=.2): the share the figures are measured on
VAL_IMAGES = math.ceil(VAL_FRACTION * KAGGLE_TRAIN_ROWS)  # scikit-learn rounds the test share up: 8,400
TRAIN_IMAGES = KAGGLE_TRAIN_ROWS - VAL_IMAGES  # 33,600
ROWS_AFTER_TRANSPOSE = {"true": "predicted", "predicted": "true"}  # a transpose swaps a matrix's rows and columns


@dataclass(frozen=True)
class FactRecord:
    """One claim of fact: the report's value and the code's (`claimed`, `found`: degrees, image counts, a kind of
    decay, an axis; said for readers by the `*_text` fields), the code's source, and the library semantics used."""

    id: str  # "C9", "C10", "C11", or "C10_axes": the plot's axes, a second fact in SPEC's notes on C10
    report_says: str  # in our words
    where: str  # section and page of the report's PDF
    code_does: str  # in our words
    cell: int  # 0-based index into the notebook's `cells` (the markdown Colab badge is cell 0)
    quote: tuple[str, ...]  # the code line(s), verbatim
    semantics: str  # what the called library does with the quoted arguments, in the version the author ran
    semantics_source: str  # where that is documented
    claimed: Any
    found: Any
    claimed_text: str
    found_text: str
    path: str = ADAM_NOTEBOOK  # the notebook in `repo`
    repo: str = AUTHOR_REPO
    commit: str = AUTHOR_COMMIT

    def __post_init__(self) -> None:
        cell_ok = isinstance(self.cell, int) and not isinstance(self.cell, bool) and self.cell >= 0
        if not (self.repo and self.path and cell_ok and self.quote and all(self.quote) and self.semantics_source):
            raise ValueError(f"fact {self.id!r}: needs a repo, path, 0-based cell, quoted line(s), semantics source.")

    @property
    def holds(self) -> bool:
        """Does the code's value agree with the report's? Numbers to rounding error, anything else exactly."""
        numbers = isinstance(self.claimed, float) or isinstance(self.found, float)
        return math.isclose(self.claimed, self.found, rel_tol=1e-9) if numbers else bool(self.claimed == self.found)

    def verdict(self) -> FactVerdict:
        """ "reproduced" or "corrected", with the code's source (repo, commit, notebook, cell, line) as evidence."""
        where = f"{self.repo}@{self.commit[:7]}, {self.path}, cell {self.cell} (0-based)"
        return fact_verdict(self.claimed_text, self.found_text, self.holds, f"{where}: {'; '.join(self.quote)}")


FACTS = {
    "C9": FactRecord(
        id="C9",
        report_says="the training images are rotated by 10°",
        where="§2.3 Preprocessing and Augmentation, p. 2",
        code_does=f"a Keras RandomRotation layer turns each training image by up to ±{ROTATION_FACTOR * 360:g}°",
        cell=6,
        quote=("model.add(layers.RandomRotation(factor=.1, fill_mode='constant', fill_value=0.))",),
        semantics="factor is a fraction of a full turn: factor=0.1 draws angles uniformly in ±0.1 · 360°",
        semantics_source="keras-team/keras, keras/layers/preprocessing/image_preprocessing.py, RandomRotation: "
        "'factor: a float represented as fraction of 2 Pi'",
        claimed=10.0,
        found=ROTATION_FACTOR * 360,
        claimed_text="±10°",
        found_text=f"±{ROTATION_FACTOR * 360:g}°",
    ),
    "C10": FactRecord(
        id="C10",
        report_says="MNIST's 60,000 training and 10,000 test images",
        where="§2.1 Method, p. 1 (figures: §III, p. 2; the references, p. 3, cite Kaggle's Digit Recognizer)",
        code_does="reads Kaggle's train.csv (cell 2), splits it 80/20 unseeded, scores the 20%: no MNIST test image",
        cell=4,
        quote=(
            "data = pd.read_csv('/content/train.csv')",
            "x_train, x_test, y_train, y_test = train_test_split(x_data, y_data, test_size=.2)",
        ),
        semantics="test_size=.2 puts ceil(0.2 · n) shuffled images in the 2nd share; random_state=None: new each run",
        semantics_source="scikit-learn, sklearn.model_selection.train_test_split (test_size, random_state); "
        "Kaggle, Digit Recognizer, Data page: train.csv holds 42,000 labelled images",
        claimed=(60_000, 10_000),
        found=(TRAIN_IMAGES, VAL_IMAGES),
        claimed_text="MNIST's 60,000 training / 10,000 test images",
        found_text=f"{TRAIN_IMAGES:,} training / {VAL_IMAGES:,} validation images of Kaggle's train.csv, unseeded",
    ),
    "C11": FactRecord(
        id="C11",
        report_says="decay = 1e-4 beside Adam() and PyTorch's CrossEntropyLoss(), with no schedule stated",
        where="§2.5 Backpropagation neural network set up, p. 2",
        code_does=f"{AUTHOR_KERAS}: Adam's learning rate falls after every step, lr = 1e-3 / (1 + 1e-4 · step)",
        cell=8,
        quote=("optimizer = tf.keras.optimizers.Adam(learning_rate=.001, decay=1e-4)",),
        semantics="tf.keras ≤ 2.10 (OptimizerV2): lr_t = lr / (1 + decay · iterations), per step, not an L2 penalty; "
        "2.11+ rejects decay= (legacy optimizers keep it), Keras 3 has none: InverseTimeDecay(1e-3, 1, 1e-4)",
        semantics_source="keras-team/keras: keras/optimizers/optimizer_v2/optimizer_v2.py, OptimizerV2._decayed_lr "
        "('lr_t = lr_t / (1.0 + decay_t * local_step)'; 'the default Keras optimizer base class until v2.10'), "
        "keras/optimizers/optimizer_experimental/optimizer.py, _process_kwargs; torch.optim.Adam, weight_decay",
        claimed="L2 weight decay",
        found="inverse-time learning-rate decay per step",
        claimed_text="decay = 1e-4 for Adam() (in PyTorch, whose CrossEntropyLoss() it names: L2 weight decay)",
        found_text=f"a per-step learning-rate decay, lr = 1e-3 / (1 + 1e-4 · step), in {AUTHOR_KERAS}",
    ),
    "C10_axes": FactRecord(
        id="C10_axes",
        report_says="the confusion matrix has the true digits on its rows (y axis, 'True Values')",
        where="§III, the 'Confusion Matrix' figure, p. 3 (its counts sum to 4,200, not 8,400: an unpublished run)",
        code_does="computes sklearn's confusion matrix (rows true, columns predicted) and draws its transpose, "
        "whose rows are the predictions, under the y label 'True Values': the labels are swapped, not the counts",
        cell=12,
        quote=(
            "mat = confusion_matrix(Y_test, Y_pred) # Confusion matrix",
            "sns.heatmap(mat.T, square=True, annot=True, cbar=False, cmap=plt.cm.Blues, fmt='.0f')",
            "plt.xlabel('Predicted Values')",
            "plt.ylabel('True Values');",
        ),
        semantics="confusion_matrix(y_true, y_pred)[i, j] counts class-i samples predicted as j; heatmap draws row "
        "i of its array at height i (the y axis)",
        semantics_source="scikit-learn, sklearn.metrics.confusion_matrix: 'C_{i,j} is equal to the number of "
        "observations known to be in group i and predicted to be in group j'; seaborn.heatmap",
        claimed="true",
        found=ROWS_AFTER_TRANSPOSE["true"],
        claimed_text="rows (y axis) = true digits",
        found_text="rows (y axis) = predicted digits: the plot is the transpose of sklearn's matrix",
    ),
}


def fact_verdict_of(claim_id: str) -> FactVerdict:
    """The verdict on one recorded fact ("C9", "C10", "C11", "C10_axes"), from its record alone."""
    if claim_id not in FACTS:
        raise ValueError(f"no fact record {claim_id!r}: the recorded facts are {', '.join(FACTS)}.")
    return FACTS[claim_id].verdict()
