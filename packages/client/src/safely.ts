/** Runs `run`, reporting instead of throwing: the guard's code and the app's handlers must never throw into the page. */
export function safely(run: () => void): void {
  try {
    run();
  } catch (error) {
    console.error('sessionguard:', error);
  }
}
