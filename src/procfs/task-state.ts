/**
 * Task states as the kernel's taskstats CGROUPSTATS_CMD_GET counts them (kernel/cgroup/cgroup-v1.c
 * cgroupstats_build), which is what cAdvisor's load reader exports as container_tasks_state: a task
 * is running (TASK_RUNNING), sleeping (TASK_INTERRUPTIBLE), uninterruptible (TASK_UNINTERRUPTIBLE)
 * or stopped (TASK_STOPPED); any other state counts in none of them.
 *
 * From /proc/<tid>/stat the letters map R, S, D, T. `I` (idle kernel threads, TASK_IDLE), `t`
 * (traced), `Z`, `X` and `P` count nowhere, as in the kernel. The kernel's fifth bucket, iowaiting
 * (a task in none of the four states with in_iowait set), cannot be told from /proc: in_iowait is
 * not printed anywhere there, so no value is made up for it.
 */
export interface TaskStates {
  running: number;
  sleeping: number;
  uninterruptible: number;
  stopped: number;
}

export type TaskStateName = keyof TaskStates;

const BY_LETTER: Readonly<Record<string, TaskStateName>> = { R: 'running', S: 'sleeping', D: 'uninterruptible', T: 'stopped' };

/** The bucket a /proc/<tid>/stat state letter counts in, or undefined for none. */
export function taskStateOf(letter: string): TaskStateName | undefined {
  return BY_LETTER[letter];
}

export function noTasks(): TaskStates {
  return { running: 0, sleeping: 0, uninterruptible: 0, stopped: 0 };
}
