// What every segmenter offers the pipeline: one object mask per image.
import type { Image, Mask } from '../types.ts';

export interface Segmenter {
  /** 'threshold': Otsu on a plain background; 'model': a salient-object network (ONNX) */
  readonly kind: 'threshold' | 'model';
  /** one line for logs and the manifest: which method, with which parameters or model */
  readonly description: string;
  /** The object's mask (0 / 255), the size of `image`. `name` is only used in error messages. */
  segment(image: Image, name?: string): Promise<Mask>;
  /** frees native resources (an ONNX session); the segmenter is unusable afterwards */
  dispose?(): Promise<void>;
}
