using System.Runtime.CompilerServices;

// Lookup keys are composed in stackalloc buffers that are always written before they are read.
[module: SkipLocalsInit]
