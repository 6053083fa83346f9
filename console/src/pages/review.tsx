import { PageTitle } from '../ui';

export function ReviewQueue() {
  return (
    <>
      <PageTitle>ReviewQueue</PageTitle>
      
    </>
  );
}
