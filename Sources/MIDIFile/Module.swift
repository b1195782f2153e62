// The MIDIFile module. See ../../shared/docs/DESIGN.md §2 for its place in the layers.
