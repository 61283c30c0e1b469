import {
  EmptyState,
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import useAsync from 'react-use/esm/useAsync';
import { aiTilesApiRef } from '../../api';
import { PageFrame } from '../PageFrame';
import { PolicyDocument } from '../PolicyDocument';

/** The acceptable-use policy as the backend serves it. */
export function PolicyPageContent() {
  const aiTilesApi = useApi(aiTilesApiRef);
  const { loading, error, value } = useAsync(
    () => aiTilesApi.getPolicy(),
    [aiTilesApi],
  );

  if (loading) {
    return <Progress />;
  }
  if (error) {
    return (
      <ResponseErrorPanel
        error={error}
        title="Could not load the acceptable-use policy"
      />
    );
  }
  if (!value) {
    return (
      <EmptyState
        missing="info"
        title="No acceptable-use policy is configured"
        description="The portal administrators have not published an acceptable-use policy for AI yet."
      />
    );
  }
  return (
    <InfoCard>
      <PolicyDocument
        policy={value}
        headingLevel="h2"
        testId="ai-policy"
        versionTestId="ai-policy-version"
      />
    </InfoCard>
  );
}

/** The policy page for the new frontend system (the framework provides the header). */
export function NfsAiPolicyPage() {
  return (
    <PageFrame>
      <PolicyPageContent />
    </PageFrame>
  );
}

/** The policy page for legacy apps, with a Backstage header. */
export function AiPolicyPage() {
  return (
    <PageFrame title="Acceptable use of AI">
      <PolicyPageContent />
    </PageFrame>
  );
}
