// The floor's only activity: a no-op, the stand-in for an order's activities. Benchmark code only.

/** The floor worker's activities. */
export function createFloorActivities() {
  return {
    /** Does nothing. */
    async floorNoop(): Promise<void> {},
  };
}

/** The floor worker's activities, as the workflow proxies them. */
export type FloorActivities = ReturnType<typeof createFloorActivities>;
