// The peer dependency, imported in one place: a bundle that keeps it external
// (the npm build) then carries one import statement of it, not one per module.
export { default as ky } from 'ky';
