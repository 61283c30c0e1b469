import { Content, PageWithHeader } from '@backstage/core-components';
import { ReactNode } from 'react';

/**
 * The frame of a page of this plugin. Legacy apps get a Backstage header
 * with `title`; in the new frontend system the framework draws the header,
 * so the page is its content only (no `title`).
 */
export function PageFrame(props: { title?: string; children: ReactNode }) {
  const content = <Content>{props.children}</Content>;
  if (!props.title) return content;
  return (
    <PageWithHeader themeId="tool" title={props.title}>
      {content}
    </PageWithHeader>
  );
}
