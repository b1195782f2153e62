// The Training module. See ../../shared/docs/DESIGN.md §2 and §6.
