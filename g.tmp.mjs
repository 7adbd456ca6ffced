import * as tf from '@tensorflow/tfjs';
import { initBackend } from '/work/main/dist/src/backend/index.js';
import { gemm } from '/work/main/dist/src/backend/gemm.js';
await initBackend({ backend: 'wasm', log: () => {} });
const be = tf.backend();
function time(label, f, flops, n=700){ for(let i=0;i<30;i++) f(); const ts=[]; for(let r=0;r<7;r++){const t0=performance.now(); for(let i=0;i<n/7;i++) f(); ts.push((performance.now()-t0)/(n/7));} ts.sort((a,b)=>a-b); console.log(label.padEnd(44), (ts[0]*1000).toFixed(1),'us', (flops/ts[0]/1e6).toFixed(1), 'GFLOP/s'); return ts[0];}
const info=(t)=>({dataId:t.dataId,shape:t.shape,dtype:t.dtype});
for (const [m,k,n] of [[100,784,100],[32,784,128],[784,100,100],[784,32,128],[32,128,128],[100,784,10]]) {
  const x=tf.randomNormal([m,k]), W=tf.randomNormal([k,n]); const out=info(tf.zeros([m,n]));
  time(`ours NN ${m}x${k}x${n}`, ()=>gemm(be,{a:info(x),transposeA:false,b:info(W),transposeB:false,relu:false,out}), 2*m*k*n);
  const xt=tf.randomNormal([k,m]);
  time(`ours TN ${m}x${k}x${n}`, ()=>gemm(be,{a:info(xt),transposeA:true,b:info(W),transposeB:false,relu:false,out}), 2*m*k*n);
  const Wt=tf.randomNormal([n,k]);
  time(`ours NT ${m}x${k}x${n}`, ()=>gemm(be,{a:info(x),transposeA:false,b:info(Wt),transposeB:true,relu:false,out}), 2*m*k*n);
  time(`xnnpack cached ${m}x${k}x${n}`, ()=>tf.matMul(x,W).dispose(), 2*m*k*n);
}
