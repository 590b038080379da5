stand-in for the boot script systools makes
