// The Evaluation module. See ../../shared/docs/DESIGN.md §2.
