import { PageTitle } from '../ui';

export function Operations() {
  return (
    <>
      <PageTitle>Operations</PageTitle>
      
    </>
  );
}
