// Where a workflow's time went, read from its event history: workflow tasks (queue wait and worker time),
// activities by type (queue wait and run time) and Updates (accepted to completed); and what engine work it made
// (Updates, activities, local activities, timers, child workflows), from which the benchmark sizes its floor.
// The benchmark reads a sample of order and floor histories and compares the two.

import type { Client, WorkflowHandle } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;
type HistoryEvent = NonNullable<History['events']>[number];

/** Time in one kind of task: how many, how long they waited in the task queue, how long they ran. */
export interface TaskTime {
  count: number;
  queueMs: number;
  runMs: number;
}

/** One workflow's history, summed up (or the mean of several). */
export interface HistoryProfile {
  events: number;
  /** First event to last event. */
  durationMs: number;
  workflowTasks: TaskTime;
  /** By activity type. */
  activities: Record<string, TaskTime>;
  /** Updates accepted, and the time from acceptance to completion summed over them. */
  updates: { count: number; handlerMs: number };
  /** The engine work the workflow made, counted from its events. */
  work: EngineWork;
}

/** What a workflow asked of the engine: the floor reproduces these counts. */
export interface EngineWork {
  /** WorkflowExecutionUpdateAccepted events. */
  updates: number;
  /** ActivityTaskScheduled events. */
  activities: number;
  /** Local activities (MarkerRecorded events of core's local-activity marker). */
  localActivities: number;
  /** TimerStarted events (fired or cancelled). */
  timers: number;
  /** StartChildWorkflowExecutionInitiated events. */
  childWorkflows: number;
  /** What one child workflow did, on average (from the children's own histories, when they were fetched). */
  childWork?: { activities: number; localActivities: number; timers: number } | undefined;
  /** SignalExternalWorkflowExecutionInitiated events (the floor does not reproduce these). */
  externalSignals: number;
  /** UpsertWorkflowSearchAttributes events (each a visibility write for the engine). */
  searchAttributeUpserts: number;
  /** Search attributes the workflow started with. */
  initialSearchAttributes: number;
}

/** The marker core records for each local activity. */
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

function idOf(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value && typeof (value as { toNumber?: unknown }).toNumber === 'function') {
    return (value as { toNumber: () => number }).toNumber();
  }
  return Number(value);
}

const timeOf = (event: HistoryEvent): number => tsToMs(event.eventTime);

/** Sums one history. */
export function profileHistory(history: History): HistoryProfile {
  const events = history.events ?? [];
  const byId = new Map<number, HistoryEvent>(events.map((event) => [idOf(event.eventId), event]));
  const profile: HistoryProfile = {
    events: events.length,
    durationMs:
      events.length > 0 ? timeOf(events[events.length - 1] as HistoryEvent) - timeOf(events[0] as HistoryEvent) : 0,
    workflowTasks: { count: 0, queueMs: 0, runMs: 0 },
    activities: {},
    updates: { count: 0, handlerMs: 0 },
    work: {
      updates: 0,
      activities: 0,
      localActivities: 0,
      timers: 0,
      childWorkflows: 0,
      externalSignals: 0,
      searchAttributeUpserts: 0,
      initialSearchAttributes: Object.keys(
        events[0]?.workflowExecutionStartedEventAttributes?.searchAttributes?.indexedFields ?? {},
      ).length,
    },
  };
  const work = profile.work;
  const activityType = (scheduledId: number) =>
    byId.get(scheduledId)?.activityTaskScheduledEventAttributes?.activityType?.name ?? 'unknown';
  const activity = (type: string): TaskTime => (profile.activities[type] ??= { count: 0, queueMs: 0, runMs: 0 });

  for (const event of events) {
    if (event.workflowExecutionUpdateAcceptedEventAttributes) work.updates += 1;
    if (event.activityTaskScheduledEventAttributes) work.activities += 1;
    if (event.markerRecordedEventAttributes?.markerName === LOCAL_ACTIVITY_MARKER) work.localActivities += 1;
    if (event.timerStartedEventAttributes) work.timers += 1;
    if (event.startChildWorkflowExecutionInitiatedEventAttributes) work.childWorkflows += 1;
    if (event.signalExternalWorkflowExecutionInitiatedEventAttributes) work.externalSignals += 1;
    if (event.upsertWorkflowSearchAttributesEventAttributes) work.searchAttributeUpserts += 1;
    const wftStarted = event.workflowTaskStartedEventAttributes;
    if (wftStarted) {
      const scheduled = byId.get(idOf(wftStarted.scheduledEventId));
      if (scheduled) profile.workflowTasks.queueMs += timeOf(event) - timeOf(scheduled);
    }
    const wftEnded =
      event.workflowTaskCompletedEventAttributes ??
      event.workflowTaskFailedEventAttributes ??
      event.workflowTaskTimedOutEventAttributes;
    if (wftEnded) {
      const started = byId.get(idOf(wftEnded.startedEventId));
      profile.workflowTasks.count += 1;
      if (started) profile.workflowTasks.runMs += timeOf(event) - timeOf(started);
    }
    const actStarted = event.activityTaskStartedEventAttributes;
    if (actStarted) {
      const scheduledId = idOf(actStarted.scheduledEventId);
      const scheduled = byId.get(scheduledId);
      if (scheduled) activity(activityType(scheduledId)).queueMs += timeOf(event) - timeOf(scheduled);
    }
    const actEnded =
      event.activityTaskCompletedEventAttributes ??
      event.activityTaskFailedEventAttributes ??
      event.activityTaskTimedOutEventAttributes;
    if (actEnded) {
      const entry = activity(activityType(idOf(actEnded.scheduledEventId)));
      const started = byId.get(idOf(actEnded.startedEventId));
      entry.count += 1;
      if (started) entry.runMs += timeOf(event) - timeOf(started);
    }
    const updateDone = event.workflowExecutionUpdateCompletedEventAttributes;
    if (updateDone) {
      const accepted = byId.get(idOf(updateDone.acceptedEventId));
      profile.updates.count += 1;
      if (accepted) profile.updates.handlerMs += timeOf(event) - timeOf(accepted);
    }
  }
  return profile;
}

/** The mean of several profiles: what one workflow costs on average. */
export function meanProfile(profiles: readonly HistoryProfile[]): HistoryProfile {
  const n = Math.max(1, profiles.length);
  const mean = (pick: (p: HistoryProfile) => number) => profiles.reduce((sum, p) => sum + pick(p), 0) / n;
  const meanTask = (pick: (p: HistoryProfile) => TaskTime | undefined): TaskTime => ({
    count: mean((p) => pick(p)?.count ?? 0),
    queueMs: mean((p) => pick(p)?.queueMs ?? 0),
    runMs: mean((p) => pick(p)?.runMs ?? 0),
  });
  const types = [...new Set(profiles.flatMap((p) => Object.keys(p.activities)))].sort();
  return {
    events: mean((p) => p.events),
    durationMs: mean((p) => p.durationMs),
    workflowTasks: meanTask((p) => p.workflowTasks),
    activities: Object.fromEntries(types.map((type) => [type, meanTask((p) => p.activities[type])])),
    updates: { count: mean((p) => p.updates.count), handlerMs: mean((p) => p.updates.handlerMs) },
    work: {
      updates: mean((p) => p.work.updates),
      activities: mean((p) => p.work.activities),
      localActivities: mean((p) => p.work.localActivities),
      timers: mean((p) => p.work.timers),
      childWorkflows: mean((p) => p.work.childWorkflows),
      externalSignals: mean((p) => p.work.externalSignals),
      searchAttributeUpserts: mean((p) => p.work.searchAttributeUpserts),
      initialSearchAttributes: mean((p) => p.work.initialSearchAttributes),
    },
  };
}

/** Children's histories read per profile at most. */
const MAX_CHILD_HISTORIES = 40;

/**
 * Fetches the histories of `workflowIds` and returns their mean profile, with what their child workflows did on
 * average (read from up to {@link MAX_CHILD_HISTORIES} children's histories).
 */
export async function profileWorkflows(client: Client, workflowIds: readonly string[]): Promise<HistoryProfile> {
  const histories = await Promise.all(workflowIds.map((id) => client.workflow.getHandle(id).fetchHistory()));
  const profile = meanProfile(histories.map(profileHistory));
  const childIds = histories
    .flatMap((history) => history.events ?? [])
    .map((event) => event.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId)
    .filter((id): id is string => typeof id === 'string' && id.length > 0)
    .slice(0, MAX_CHILD_HISTORIES);
  if (childIds.length > 0) {
    const children = await Promise.all(
      childIds.map((id) =>
        client.workflow
          .getHandle(id)
          .fetchHistory()
          .then(profileHistory, () => undefined),
      ),
    );
    const child = meanProfile(children.filter((one): one is HistoryProfile => one !== undefined));
    profile.work.childWork = {
      activities: child.work.activities,
      localActivities: child.work.localActivities,
      timers: child.work.timers,
    };
  }
  return profile;
}
