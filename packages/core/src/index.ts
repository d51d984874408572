// Public API of @scouter-ts/core: an explicit export list, one section per concept.
// Each section is owned by one area of the code; add exports to your own section only.

// --- errors (errors.ts) ---

// --- profile (profile/) ---

// --- wire JSON schemas and helpers (wire/) ---

// --- transports (transport/) ---

// --- client (client/) ---

// --- queue (queue/) ---
