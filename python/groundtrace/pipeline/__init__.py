"""The dataset engine: filter → trace → select → (translate) → build, one module per stage."""
