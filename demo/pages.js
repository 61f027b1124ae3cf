// The demo pages, in lecture order: the index page lists them, and test/e2e/run.mjs opens each one.
// `path` is the page's folder under demo/; `thumb` is made by `node test/e2e/run.mjs --thumbs`.
export const PAGES = [
  { path: 'dashboard', title: 'Training dashboard', text: 'Train an MLP or a CNN on MNIST in the tab with live TensorBoard-style curves, compare runs, load a CLI run, and classify your own drawing.' },
  { path: 'optimizers', title: 'Optimizer race', text: 'SGD, momentum, Nesterov, AdaGrad, RMSProp and Adam race over Rosenbrock, Beale, a saddle and an ill-conditioned valley.' },
  { path: 'graph', title: 'Computational graph and backprop', text: 'Step the backward pass through y = (a + 2b)(2b + c) node by node, or through any expression you type.' },
  { path: 'conv', title: 'Convolution', text: 'Laplace and Sobel filters and your own kernel on a digit, then the filters and feature maps a small CNN learns.' },
  { path: 'cybenko', title: 'Universal approximation', text: 'Draw a function; a one-hidden-layer sigmoid net of the width you choose fits it while you watch.' },
  { path: 'batch', title: 'Small vs large batch', text: 'Keskar et al.: the same net trained with small and large batches, its test accuracy and the sharpness of the minimum it finds.' },
  { path: 'landscape', title: 'Loss landscape', text: 'A 2-D slice of the loss around trained weights along filter-normalized random directions, with the training path on it.' },
  { path: 'regularization', title: 'Regularization', text: 'The same net with no regularization, L2, dropout and batch norm: train and test curves, and where early stopping stops.' },
  { path: 'spirals', title: 'Two spirals', text: 'A 2-64-2 tanh MLP learns to separate two interleaved spirals; the decision regions are redrawn as it trains.' },
];
