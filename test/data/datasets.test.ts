// --dataset: the name check and both loaders behind it (Fashion-MNIST from its cache).
import { describe, expect, it } from 'vitest';
import { datasetName, loadDataset } from '../../src/node/datasets.js';
import { errorCode } from '../helpers.js';

describe('--dataset', () => {
  it('accepts mnist (the default) and fashion, nothing else', () => {
    expect(datasetName(undefined)).toBe('mnist');
    expect(datasetName('mnist')).toBe('mnist');
    expect(datasetName('fashion')).toBe('fashion');
    expect(errorCode(() => datasetName('cifar'))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => datasetName(3))).toBe('INVALID_ARGUMENT');
  });

  it('loads the MNIST split and a prefix of the Fashion-MNIST training set', () => {
    const m = loadDataset('mnist');
    expect(m.train.y.shape).toEqual([8000]);
    expect(m.description).toMatch(/8,000 \/ 2,000/);
    const f = loadDataset('fashion', { trainSize: 500 });
    expect(f.title).toBe('Fashion-MNIST');
    expect(f.train.x.shape).toEqual([500, 1, 28, 28]);
    expect(f.test.y.shape).toEqual([10000]);
    expect(f.description).toMatch(/first 500 of the stratified 60,000 \/ 10,000 split/);
    expect(new Set(f.train.y.data).size).toBe(10); // a prefix of the shuffled set holds every class
  });
});
