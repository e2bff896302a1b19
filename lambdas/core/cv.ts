// One shared OpenCV (WASM) instance. The 4.x module is a thenable whose `then` never settles the way `await`
// expects, so we wait for onRuntimeInitialized instead of awaiting the module itself.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CV = any;

let ready: Promise<CV> | undefined;

/** Resolves to the initialised OpenCV module. Every cv.Mat you create must be .delete()d. */
export function loadCv(): Promise<CV> {
  ready ??= new Promise<CV>((resolve, reject) => {
    const cv = require('@techstark/opencv-js');
    if (cv.Mat) {
      resolve(strip(cv));
      return;
    }
    const timer = setTimeout(() => reject(new Error('OpenCV (WASM) did not initialise within 60 s')), 60_000);
    cv.onRuntimeInitialized = () => {
      clearTimeout(timer);
      resolve(strip(cv));
    };
  });
  return ready;
}

// Returning a thenable from a promise would make the promise adopt it; hand out a plain wrapper instead.
function strip(cv: CV): CV {
  if (typeof cv.then === 'function') delete cv.then;
  return cv;
}
