import express from 'express';
import { describe, expect, it } from 'vitest';

// The adapter's tests run twice, on Express 5 (project `unit`) and on Express 4 (project `unit-express4`):
// this proves each run really loaded the major it is named for.
describe('the Express major under test', () => {
  it('is the one this test project is named for', () => {
    // Express 4 still bundles the `query` middleware; Express 5 removed it.
    const major = typeof (express as unknown as { query?: unknown }).query === 'function' ? '4' : '5';
    expect(major).toBe(process.env.SG_EXPECT_EXPRESS_MAJOR);
  });
});
