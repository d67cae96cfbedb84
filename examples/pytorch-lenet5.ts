/**
 * PyTorch weights in and out: loads a LeNet5 `state_dict` written in Python
 * (test/fixtures/lenet5-torch.safetensors, made by test/fixtures/make_torch_lenet5.py with numpy
 * in safetensors' byte format; PyTorch module names conv1/conv2/fc1/fc2), evaluates it on the
 * MNIST split, fine-tunes it briefly (the fixture holds PyTorch's default *initialisation*, not a
 * trained net: a real checkpoint skips this step), compresses it with ALQ on a short schedule and
 * exports both the float weights (PyTorch names, readable by `safetensors.torch.load_file`) and
 * the packed bit-planes.
 *
 *   npx tsx examples/pytorch-lenet5.ts [--epochs 1] [--out /tmp/lenet5-out]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { adam, alq, evaluate, fit, initTrain, key, loadTree, nn, saveTree } from '../src/index.js';
import { loadMnist } from '../src/node/index.js';
import { runAlqStage } from '../src/node/alq-stage.js';

const { values } = parseArgs({ options: { epochs: { type: 'string', default: '1' }, out: { type: 'string', default: '/tmp/edgegrad-pytorch-lenet5' } } });
const epochs = Number(values.epochs);
const out = values.out;
mkdirSync(out, { recursive: true });

// PyTorch's module names → positions in nn.lenet5()'s sequential tree (conv, pool, relu, …).
const RENAME = { conv1: '0', conv2: '3', fc1: '7', fc2: '9' };

const model = nn.lenet5();
const init = model.init(key(0), [1, 28, 28]);
const ckpt = loadTree(readFileSync(join(import.meta.dirname, '..', 'test', 'fixtures', 'lenet5-torch.safetensors')));
const { params } = nn.loadStateDict(init.params, ckpt, { rename: RENAME });   // strict: throws on any mismatch
const { train, test } = loadMnist({ seed: 0 });
console.log(`loaded the PyTorch state_dict (${Object.keys(nn.stateDict(params, { rename: RENAME })).join(', ')}); `
  + `MNIST split ${train.y.shape[0]}/${test.y.shape[0]}; test accuracy as loaded ${(100 * evaluate(model, params, init.state, test).accuracy).toFixed(2)}%`);

const opt = adam(1e-3);
const { state: st } = fit(initTrain(params, init.state, opt), { optimizer: opt, model, train, batchSize: 64, epochs, key: key(1) });
console.log(`after ${epochs} epoch(s) of Adam: test accuracy ${(100 * evaluate(model, st.params, st.modelState, test).accuracy).toFixed(2)}%`);

const stage = runAlqStage({
  model, params: st.params, modelState: st.modelState, train, test, targetBits: 2, trainSize: 2000, log: console.log,
  schedule: { ...alq.lenet5Schedule, rounds: 1, basisEpochs: 1, coordinateEpochs: 0, steEpochs: 1, postCoordinateEpochs: 0 },
});

const floatFile = join(out, 'lenet5-finetuned.safetensors');
writeFileSync(floatFile, saveTree(nn.stateDict(st.params, { rename: RENAME }), { format: 'pt' }));
const packedFile = join(out, 'lenet5-alq-packed.safetensors');
writeFileSync(packedFile, saveTree(alq.pack(stage.result.params, stage.result.state)));
console.log(`exported ${floatFile} (PyTorch names) and ${packedFile} (ALQ bit-planes, ${stage.packedBytes.toLocaleString('en-US')} bytes of weights)`);
