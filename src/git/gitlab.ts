/**
 * GitLab merge requests over the REST API v4: find the open merge request for the source branch, update it or
 * open one. Endpoints: `GET|POST /projects/:id/merge_requests`, `PUT /projects/:id/merge_requests/:iid`, where
 * `:id` is the numeric id or the URL-encoded path (`group%2Fproject`).
 */
import { ForgeConfigError, ForgeRequestError } from './errors';
import { fitBody, type ChangeRequest, type ChangeRequestInput, type GitLabForgeConfig } from './forge';
import type { ForgeHttp } from './forge-http';

/** GitLab's limit on a merge request description, in characters. */
export const GITLAB_BODY_LIMIT = 1_048_576;

interface GitLabMergeRequest {
  readonly iid: number;
  readonly web_url: string;
}

/**
 * Opens or updates the merge request from `input.branch` into `input.base`. Labels go in the comma-separated
 * `labels` field when opening and in `add_labels` when updating (`labels` would replace, dropping labels a reviewer
 * added). If another process opened the merge request between lookup and create (GitLab answers 409), that one is
 * updated instead.
 */
export async function upsertGitLabMergeRequest(config: GitLabForgeConfig, input: ChangeRequestInput, http: ForgeHttp): Promise<ChangeRequest> {
  const labels = [...new Set(input.labels ?? [])];
  const bad = labels.find((l) => l.includes(',') || l.trim() === '');
  if (bad !== undefined) throw new ForgeConfigError(`GitLab label '${bad}' is empty or contains a comma`, 'label names without commas');
  const project = `/projects/${encodeURIComponent(config.project)}`;
  const description = fitBody(input.body, GITLAB_BODY_LIMIT);
  const findOpen = async (): Promise<GitLabMergeRequest | undefined> => {
    const query = new URLSearchParams({ source_branch: input.branch, state: 'opened' });
    const { data } = await http.request<GitLabMergeRequest[]>('GET', `${project}/merge_requests?${query}`);
    return Array.isArray(data) ? data[0] : undefined;
  };

  let mr = await findOpen();
  if (mr === undefined) {
    try {
      const { data } = await http.request<GitLabMergeRequest>('POST', `${project}/merge_requests`, {
        source_branch: input.branch,
        target_branch: input.base,
        title: input.title,
        description,
        ...(labels.length > 0 ? { labels: labels.join(',') } : {}),
      });
      return { forge: 'gitlab', number: data.iid, url: data.web_url, created: true };
    } catch (error) {
      if (!(error instanceof ForgeRequestError && error.status === 409)) throw error;
      mr = await findOpen();
      if (mr === undefined) throw error;
    }
  }
  const { data } = await http.request<GitLabMergeRequest>('PUT', `${project}/merge_requests/${mr.iid}`, {
    title: input.title,
    description,
    ...(labels.length > 0 ? { add_labels: labels.join(',') } : {}),
  });
  return { forge: 'gitlab', number: data.iid, url: data.web_url, created: false };
}
