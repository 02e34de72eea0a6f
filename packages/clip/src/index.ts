// @stylegpu/clip: the public surface grows here as its issue lands (see README).
export {};
