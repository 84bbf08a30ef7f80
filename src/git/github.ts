/**
 * GitHub (and GitHub Enterprise) pull requests over the REST API, version 2022-11-28: find the open pull request
 * for the branch, update it or open one, then add labels. Endpoints: `GET|POST /repos/{owner}/{repo}/pulls`,
 * `PATCH /repos/{owner}/{repo}/pulls/{number}`, `POST /repos/{owner}/{repo}/issues/{number}/labels`.
 */
import { ForgeRequestError } from './errors';
import { fitBody, type ChangeRequest, type ChangeRequestInput, type GitHubForgeConfig } from './forge';
import type { ForgeHttp } from './forge-http';

/** GitHub's limit on a pull request body, in characters. */
export const GITHUB_BODY_LIMIT = 65_536;

interface GitHubPull {
  readonly number: number;
  readonly html_url: string;
}

/**
 * Opens or updates the pull request from `input.branch` into `input.base`. Labels are added (POST), not replaced
 * (PUT), so labels a reviewer put on the pull request survive a re-proposal. If another process opened the pull
 * request between our lookup and our create (GitHub answers 422), the one that exists is updated instead.
 */
export async function upsertGitHubPullRequest(config: GitHubForgeConfig, input: ChangeRequestInput, http: ForgeHttp): Promise<ChangeRequest> {
  const repo = `/repos/${encodeURIComponent(config.owner)}/${encodeURIComponent(config.repo)}`;
  const body = fitBody(input.body, GITHUB_BODY_LIMIT);
  const findOpen = async (): Promise<GitHubPull | undefined> => {
    const query = new URLSearchParams({ head: `${config.owner}:${input.branch}`, state: 'open' });
    const { data } = await http.request<GitHubPull[]>('GET', `${repo}/pulls?${query}`);
    return Array.isArray(data) ? data[0] : undefined;
  };

  let pull = await findOpen();
  let created = false;
  if (pull === undefined) {
    try {
      pull = (await http.request<GitHubPull>('POST', `${repo}/pulls`, { title: input.title, head: input.branch, base: input.base, body })).data;
      created = true;
    } catch (error) {
      if (!(error instanceof ForgeRequestError && error.status === 422)) throw error;
      pull = await findOpen();
      if (pull === undefined) throw error;
    }
  }
  if (!created) {
    pull = (await http.request<GitHubPull>('PATCH', `${repo}/pulls/${pull.number}`, { title: input.title, body })).data;
  }
  const labels = [...new Set(input.labels ?? [])];
  if (labels.length > 0) await http.request('POST', `${repo}/issues/${pull.number}/labels`, { labels });
  return { forge: 'github', number: pull.number, url: pull.html_url, created };
}
