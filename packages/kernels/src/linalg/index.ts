/** Float64 CPU linear algebra shared by the packages (not GPU ops: no tensors, no autograd). */
export { symmetricEigen, topEigenvectors, type SymmetricEigen } from './symmetric-eigen.js';
