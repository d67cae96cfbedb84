// Global test setup: registers custom matchers (see src/testing).
export {};
