// The peer dependencies, imported in one place: a bundle that keeps them external
// (the npm build) then carries one import statement of each, not one per module.
export { default as ky } from 'ky';
export { Observable } from 'rxjs';
