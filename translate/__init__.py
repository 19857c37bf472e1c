"""el2en: Greek-to-English machine translation with aligned bilingual output."""

__version__ = "0.1.0"
