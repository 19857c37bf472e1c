"""el2en: Greek-to-English machine translation with aligned bilingual output."""

__version__ = "0.2.0"
