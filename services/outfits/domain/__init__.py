"""Rules of the outfits context, without I/O."""
